"""Evidence the system gathers itself: checks of the reported page (on intake, on a "fixed"
answer, on a staff member's request), and what they say about the answer."""
