"""Alembic migrations, shipped inside the package so `chatdesk db upgrade` works from a wheel."""
