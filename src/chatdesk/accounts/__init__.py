"""Accounts: workspaces (tenants), users, memberships with roles, API tokens."""
