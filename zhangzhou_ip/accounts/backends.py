"""Django's model permissions, for the people who use the Django admin only.

The product's permissions are the rules in each app's ``rules.py``; Django's model
permissions (user and group permissions) matter only inside the admin, which only staff can
enter. Django's ``ModelBackend`` read them for everyone: two queries on every page where a
rule said no (the case list asks whether the user may add a case). Non-staff users now have
none, without a query; staff keep theirs.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class StaffModelBackend(ModelBackend):
    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_staff and not user_obj.is_superuser:
            return set()
        return super()._get_permissions(user_obj, obj, from_name)
