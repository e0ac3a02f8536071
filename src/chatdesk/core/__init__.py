"""Infrastructure shared by every domain: settings, database, jobs, events, clock, crypto, errors.

Nothing in core imports a domain package."""
