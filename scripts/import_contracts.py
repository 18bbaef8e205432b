#!/usr/bin/env python
"""Write `.importlinter` from the code itself, so no context can slip past the boundaries.

Contracts:
  * per context X: no other context imports any module of X except `X.api` and `X.events`;
  * `shared` (the kernel) imports no context;
  * the dependency direction (CONTEXT_TIERS, upstream first): a context calls the `api` of
    upstream contexts only (earlier tiers); it learns what downstream contexts (same or later
    tiers) did from their `events`, never by calling them;
  * inside each context, transport (rest, tasks, handlers, admin, api) sits above
    services/selectors, which sit above models, which sit above domain/events/data: a module
    never imports a module of a higher layer of its own context.

The layer rule is written as one `forbidden` contract per context and layer with direct imports
only: contexts legitimately call each other's `api` both ways (catalog reads stock, inventory
checks merchants), and a chain through another context's api is not a layering breach of ours.

Run `python scripts/import_contracts.py` after adding a context or a top-level module to one;
tests/architecture/test_boundaries.py fails while the file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PUBLIC_MODULES = ("api", "events")
LAYERS = (
    ("apps",),
    ("admin", "rest", "tasks", "handlers", "api", "management", "demo", "adapters"),
    ("services", "selectors", "backends"),
    ("models",),
    ("domain", "events", "data", "ports"),
)
# Not layered: a context's own tests and migrations.
UNLAYERED = ("tests", "migrations")
# The dependency direction between contexts, upstream first (README, "Context map"). A context
# may call the api of contexts in earlier tiers only; a new context must be placed here.
CONTEXT_TIERS = (
    ("identity",),
    ("catalog",),
    ("inventory", "logistics"),
    ("cart",),
    ("ordering",),
    ("payments",),
    ("promotions", "loyalty"),
    ("coupons", "flashsale", "groupbuy", "aftersales"),
    ("settlement", "subscription", "search", "recommendation"),
)


def context_names(root: Path = ROOT) -> list[str]:
    return sorted(
        p.name for p in (root / "contexts").iterdir() if p.is_dir() and (p / "__init__.py").exists()
    )


def top_level_modules(context: str, root: Path = ROOT) -> set[str]:
    names = set()
    for p in (root / "contexts" / context).iterdir():
        if p.name.startswith((".", "__")):
            continue
        if p.is_dir() and (p / "__init__.py").exists():
            names.add(p.name)
        elif p.suffix == ".py":
            names.add(p.stem)
    return names


def internal_modules(context: str, root: Path = ROOT) -> list[str]:
    """Every top-level module or package of a context except its public ones."""
    names = top_level_modules(context, root) - set(PUBLIC_MODULES)
    return sorted(f"contexts.{context}.{n}" for n in names)


def layer_contracts(context: str, root: Path = ROOT) -> list[str]:
    present = top_level_modules(context, root)
    out: list[str] = []
    for index, layer in enumerate(LAYERS):
        sources = [m for m in layer if m in present]
        higher = [m for upper in LAYERS[:index] for m in upper if m in present]
        if not sources or not higher:
            continue
        out += [
            f"[importlinter:contract:{context}-layer-{index}]",
            f"name = {context}: {', '.join(sources)} never import {', '.join(higher)}",
            "type = forbidden",
            "source_modules =",
            *[f"    contexts.{context}.{m}" for m in sources],
            "forbidden_modules =",
            *[f"    contexts.{context}.{m}" for m in higher],
            "allow_indirect_imports = True",
            "",
        ]
    return out


def direction_contracts(
    contexts: list[str], tiers: tuple[tuple[str, ...], ...], root: Path = ROOT
) -> list[str]:
    """Per context: its modules (tests aside) never import the api of a context in its own or a
    later tier."""
    tier_of = {name: index for index, tier in enumerate(tiers) for name in tier}
    unplaced = sorted(set(contexts) - set(tier_of))
    if unplaced:
        raise SystemExit(
            f"place {', '.join(unplaced)} in CONTEXT_TIERS (scripts/import_contracts.py)"
        )
    out: list[str] = []
    for context in contexts:
        downstream = [c for c in contexts if c != context and tier_of[c] >= tier_of[context]]
        downstream = [c for c in downstream if (root / "contexts" / c / "api.py").exists()]
        sources = sorted(top_level_modules(context, root) - set(UNLAYERED))
        if not downstream or not sources:
            continue
        out += [
            f"[importlinter:contract:{context}-upstream-of]",
            f"name = {context} never calls the api of {', '.join(downstream)} (events only)",
            "type = forbidden",
            "source_modules =",
            *[f"    contexts.{context}.{m}" for m in sources],
            "forbidden_modules =",
            *[f"    contexts.{c}.api" for c in downstream],
            "allow_indirect_imports = True",
            "",
        ]
    return out


def render(root: Path = ROOT, tiers: tuple[tuple[str, ...], ...] = CONTEXT_TIERS) -> str:
    contexts = context_names(root)
    out = [
        "# Generated by scripts/import_contracts.py from contexts/*: do not edit by hand.",
        "[importlinter]",
        "root_packages =",
        "    contexts",
        "    shared",
        "    ecommerce",
        "include_external_packages = False",
        "",
        "[importlinter:contract:shared-kernel]",
        "name = shared imports no context",
        "type = forbidden",
        "source_modules =",
        "    shared",
        "forbidden_modules =",
        "    contexts",
        "",
    ]
    out += direction_contracts(contexts, tiers, root)
    for context in contexts:
        out += layer_contracts(context, root)
        others = [c for c in contexts if c != context]
        internals = internal_modules(context, root)
        if not others or not internals:
            continue
        out += [
            f"[importlinter:contract:{context}-public-only]",
            f"name = other contexts import {context} only through its api and events",
            "type = forbidden",
            "source_modules =",
            *[f"    contexts.{c}" for c in others],
            "forbidden_modules =",
            *[f"    {m}" for m in internals],
            "allow_indirect_imports = True",
            "",
        ]
    return "\n".join(out)


if __name__ == "__main__":
    target = ROOT / ".importlinter"
    target.write_text(render())
    print(f"wrote {target.relative_to(ROOT)} for contexts: {', '.join(context_names())}")
    sys.exit(0)
