"""The SLA report pages (/supervise/report): the table, drill-down, exports and the assessment."""
