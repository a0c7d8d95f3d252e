"""GET /health (no token needed) and GET /v1/policies."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter

from allocator import describe_policy, policy_profiles, resolve_policy

from ..deps import SettingsDep, StoreDep
from ..schemas import Health, PolicyList, PolicyProfile, PolicyRule
from . import problems

health_router = APIRouter(tags=["service"])
policies_router = APIRouter(tags=["policies"])


def package_version() -> str:
    try:
        return version("school-allocator")
    except PackageNotFoundError:
        return "unknown"


@health_router.get("/health", response_model=Health, summary="Liveness and queue depth")
def health(settings: SettingsDep, store: StoreDep) -> Health:
    return Health(status="ok", version=package_version(), workers=settings.workers,
                  jobs=store.counts())


@policies_router.get("/policies", response_model=PolicyList,
                     summary="Policy profiles: every rule with its numbers and source",
                     responses=problems(401))
def list_policies() -> PolicyList:
    profiles = []
    for name in sorted(policy_profiles()):
        policy = resolve_policy(name)
        profiles.append(PolicyProfile(
            name=name, rules=[PolicyRule(**row) for row in describe_policy(policy)],
            values=policy.model_dump(mode="json")))
    return PolicyList(profiles=profiles)
