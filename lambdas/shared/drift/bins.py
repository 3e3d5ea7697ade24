"""Fast binning of values against fixed sorted edges.

``np.searchsorted`` with unsorted values costs a cache-missing binary search per value.
A lookup table over a uniform grid gives each value a starting edge index that is at
most a few edges short; a few vectorised "step right while above the edge" passes then
reach exactly ``np.searchsorted(edges, x, side="left")``.
"""

from __future__ import annotations

import numpy as np

GRID_CELLS = 4096
# With more edges than this in one grid cell the passes cost more than a binary search.
MAX_PASSES = 6


class EdgeBinner:
    """``bin(x)`` equals ``np.searchsorted(edges, x)``: bin i holds edges[i-1] < x <= edges[i]."""

    def __init__(self, edges: np.ndarray) -> None:
        self.edges = edges
        self._upper = np.append(edges, np.inf)
        self._table: np.ndarray | None = None
        if edges.size < 3:
            return
        # The grid spans the inner edges; the extreme min and max would stretch it thin.
        self._low, high = float(edges[1]), float(edges[-2])
        if not high > self._low:
            return
        self._scale = GRID_CELLS / (high - self._low)
        cells = self._low + np.arange(GRID_CELLS) / self._scale
        table = np.searchsorted(edges, cells, side="left")
        table[0] = 0
        edges_per_cell = np.diff(np.append(table, edges.size))
        if edges_per_cell.max() + 1 <= MAX_PASSES:
            self._table = table

    def bin(self, x: np.ndarray) -> np.ndarray:
        if self._table is None:
            return np.searchsorted(self.edges, x)
        cell = (x - self._low) * self._scale
        np.clip(cell, 0, GRID_CELLS - 1, out=cell)
        index = self._table[cell.astype(np.intp)]
        for _ in range(MAX_PASSES):
            step = x > self._upper[index]
            if not step.any():
                break
            index += step
        return index
