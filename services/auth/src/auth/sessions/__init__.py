"""Sign-in sessions: access tokens, refresh-token families, revocation, ForwardAuth."""
