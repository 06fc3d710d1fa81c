"""The company-wide role groups and the model permissions they carry.

Used by the data migration (with historical models) and by seed/test code.
"""

from accounts.choices import Group

# group -> (app_label, codename) permissions
GROUP_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Group.COMMUNICATIONS: [],
    Group.IT_SECURITY: [("audit", "view_auditevent")],
    Group.AUDITOR: [("audit", "view_auditevent")],
    Group.COMPLIANCE: [("audit", "view_auditevent")],
}


def ensure_groups(group_model, permission_model) -> None:
    for name, perms in GROUP_PERMISSIONS.items():
        group, _ = group_model.objects.get_or_create(name=name)
        for app_label, codename in perms:
            permission = permission_model.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                group.permissions.add(permission)
