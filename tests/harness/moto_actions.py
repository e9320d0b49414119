"""Adding actions to one of moto's Response classes, as the moto extensions do.

An action is a function named as moto names its actions (the operation in
snake case, e.g. update_domain_name); moto's router calls it as a method.
add_actions refuses to replace one moto already has: when a moto upgrade
implements it, the extension's copy must go, not silently win.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable


def add_actions(response_class: type, service: str, actions: Iterable[Callable[..., Any]]) -> None:
    for action in actions:
        if hasattr(response_class, action.__name__):
            raise RuntimeError(f"moto already implements {service} {action.__name__}: "
                               "remove it from this extension")
        setattr(response_class, action.__name__, action)
