"""Plumbing every app may use and that knows no app (DESIGN §2): base model mixins, the
domain-error base class, API permission/filter/pagination classes, list-view helpers,
language and login middleware. Nothing here imports ``alliance``, ``evidence`` or ``cases``."""
