"""Login protection: lockout after failed logins (django-axes), the session policy, and
two-factor authentication with an authenticator app (django-otp). Decision 0015."""
