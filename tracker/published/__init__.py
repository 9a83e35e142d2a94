"""Published reports (通报): frozen snapshots of the SLA report, their lists and the diff against now."""
