"""Backups that restore (docs/backups.md): `flask backup create | verify | restore`, and the
same as plain functions of an installation's Settings."""

from .common import BackupError, Settings
from .service import Created, Restored, Verified, create_backup, restore_backup, verify_backup

__all__ = [
    "BackupError",
    "Created",
    "Restored",
    "Settings",
    "Verified",
    "create_backup",
    "restore_backup",
    "verify_backup",
]
