"""Evidence the system gathers itself: checks of the reported page (on intake, on a "fixed"
answer, on a staff member's request), and what they say about the answer."""


def init_app(app) -> None:
    """Give the answer lint (``tracker.cases.lint``, a layer below) the case's finished page
    checks, so that its rule "contradicts the page checks" reads what was really fetched."""
    from tracker.cases import lint
    from tracker.evidence.util import finished_checks

    lint.page_checks = finished_checks
