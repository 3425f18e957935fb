"""Sign-in: throttling and lockout (django-axes), two-factor sign-in (django-otp) and the user's profile page."""
