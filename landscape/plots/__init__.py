"""Plotly figures of the loss landscape, training runs, maps and the why-numbers.

Every figure of the app comes from a builder here, and each one works as well in
a notebook::

    from landscape.data import parity_data
    from landscape.plots import landscape_figure
    from landscape.train import train

    data = parity_data(1000, 1000, 0)
    landscape_figure(data, 1.40, 1.75, train(data, 1.5)).show()

Builders take data and results (Dataset, Trajectory, WhyNumbers, ...) and
return a ``plotly.graph_objects.Figure``; the numbers they draw come from the
engine (:mod:`landscape.window` for dense curves and their envelopes,
:mod:`landscape.surface`, ...), never from here. Animations are Plotly frames of
SVG scatter traces: the browser plays them, the server does no work per frame.
One module per family: :mod:`~landscape.plots.landscape` (the landscape, a run,
its history), :mod:`~landscape.plots.why`, :mod:`~landscape.plots.maps`,
:mod:`~landscape.plots.remedies`.
"""

from .landscape import add_run, history_figure, landscape_figure
from .maps import basin_map_figure, convergence_map_figure
from .remedies import progress_figure, remedies_figure
from .why import chaos_figure, quartic_figure, sample_grads_figure, sample_terms_figure

__all__ = [
    "add_run",
    "basin_map_figure",
    "chaos_figure",
    "convergence_map_figure",
    "history_figure",
    "landscape_figure",
    "progress_figure",
    "quartic_figure",
    "remedies_figure",
    "sample_grads_figure",
    "sample_terms_figure",
]
