"""Staff sign-in pages: log in, second factor, log out; and the access checks of every staff view."""
