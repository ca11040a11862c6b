"""What the finance console lists (issue 23, API.md "Operations and audit"): customers, months, jobs."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.concurrency import run_in_threadpool

from billing.api.deps import AdminDep, ContainerDep
from billing.services.directory import DirectoryService

router = APIRouter(prefix="/v1/admin")


def _directory(container: ContainerDep) -> DirectoryService:
    return container.directory


DirectoryDep = Annotated[DirectoryService, Depends(_directory)]


@router.get("/customers", tags=["customers"])
async def list_customers(
    directory: DirectoryDep,
    _: AdminDep,
    q: str = Query("", max_length=100, description="Part of the account id, legal name, billing email or SIREN"),
    page: int = Query(1, ge=1, le=100_000, description="Page of 50 accounts, from 1"),
) -> dict[str, Any]:
    """Accounts by id, 50 a page; ``next`` is the next page's number, or null on the last one."""
    return await run_in_threadpool(directory.customers, q, page)


@router.get("/months", tags=["months"])
async def list_months(directory: DirectoryDep, _: AdminDep) -> dict[str, Any]:
    """Every month from the first month of service to the last ended one, newest first, with its state."""
    return await run_in_threadpool(directory.months)


@router.get("/jobs/{job}", tags=["months"])
async def job_state(job: str, directory: DirectoryDep, _: AdminDep) -> dict[str, Any]:
    """A job's state (``queued`` | ``running`` | ``done`` | ``failed``); for a close, the month's state."""
    return await run_in_threadpool(directory.job, job)
