"""widgets layer: the notebook views (gallery, filter builder, table, dashboard, annotator).

Importing it registers the ``view.*`` hooks that entities call (``dataset.widget()``...).
"""

from dl_jupyter.widgets import annotator, views  # noqa: F401  (register the view.* hooks)
