"""The working-day calendar as loaded into the database, and the admins' view of it."""
