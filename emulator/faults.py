"""Injected faults, shared by the emulated APIs: the next calls of an operation fail, stall or lose their answer."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel


class Fault(BaseModel):
    """An injected fault for the next `times` calls of operation `op` ('*' = any)."""

    op: str = "*"
    status: int | None = None
    retry_after: str | None = None
    delay_s: float = 0.0
    commit_first: bool = False  # do the operation, then delay/fail the response (a lost answer)
    times: int = 1


@dataclass
class Faults:
    """Pending faults, consumed in order."""

    pending: list[Fault]

    def take(self, op: str) -> Fault | None:
        for fault in self.pending:
            if fault.op in ("*", op):
                fault.times -= 1
                if fault.times <= 0:
                    self.pending.remove(fault)
                return fault
        return None
