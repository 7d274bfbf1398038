"""What tests/ and bench/ share: scratch checkouts, the live edit, prerequisites, images,
servers under test, the debugger client. It never imports tests (tests/test_imports.py)."""
