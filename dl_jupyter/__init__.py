"""dl_jupyter: data labeling and dataset management in Jupyter, with the Dataloop SDK's API.

>>> import dl_jupyter as dl
>>> dl.login("me@example.com")
>>> project = dl.projects.create(project_name="demo")
>>> dataset = project.datasets.create(dataset_name="images", labels={"cat": "#ff0000"})
>>> item = dataset.items.upload(local_path="cat.jpg")
>>> builder = item.annotations.builder()
>>> builder.add(dl.Box(top=10, left=10, bottom=100, right=100, label="cat"))
>>> item.annotations.upload(builder)

Everything runs on an embedded SQLite store by default (``dl.connect()``), or on a shared
PostgreSQL server (``dl.connect("postgresql+psycopg://...")``). Importing this package does
not import any widget library; widgets load when a display asks for them.
"""

from dl_jupyter import exceptions
from dl_jupyter.api import (
    annotations,
    assignments,
    client,
    connect,
    datasets,
    items,
    login,
    login_m2m,
    logout,
    ontologies,
    projects,
    recipes,
    tasks,
    token_expired,
    use_attributes_2,
)
from dl_jupyter.doctor import doctor
from dl_jupyter.dql.filters import Filters
from dl_jupyter.entities.annotation import Annotation, AnnotationCollection
from dl_jupyter.entities.annotation_definitions import (
    Box,
    Classification,
    Cube,
    Description,
    Ellipse,
    Note,
    Point,
    Polygon,
    Polyline,
    Pose,
    Segmentation,
    Subtitle,
    Text,
    UndefinedAnnotationType,
)
from dl_jupyter.entities.item import Item
from dl_jupyter.entities.labels import AttributesRange, Label
from dl_jupyter.entities.ontology import Ontology, Recipe
from dl_jupyter.entities.paged import PagedEntities
from dl_jupyter.entities.project import Dataset, Project
from dl_jupyter.entities.task import Assignment, ItemAction, Task, Workload, WorkloadUnit
from dl_jupyter.enums import (
    FILTERS_METHOD_AND,
    FILTERS_METHOD_OR,
    FILTERS_OPERATIONS_AND,
    FILTERS_OPERATIONS_EQUAL,
    FILTERS_OPERATIONS_EXISTS,
    FILTERS_OPERATIONS_GREATER_THAN,
    FILTERS_OPERATIONS_IN,
    FILTERS_OPERATIONS_LESS_THAN,
    FILTERS_OPERATIONS_MATCH,
    FILTERS_OPERATIONS_NIN,
    FILTERS_OPERATIONS_NOT_EQUAL,
    FILTERS_OPERATIONS_OR,
    FILTERS_ORDERBY_DIRECTION_ASCENDING,
    FILTERS_ORDERBY_DIRECTION_DESCENDING,
    FILTERS_RESOURCE_ANNOTATION,
    FILTERS_RESOURCE_ITEM,
    VIEW_ANNOTATION_OPTIONS_ANNOTATION_ON_IMAGE,
    VIEW_ANNOTATION_OPTIONS_INSTANCE,
    VIEW_ANNOTATION_OPTIONS_JSON,
    VIEW_ANNOTATION_OPTIONS_MASK,
    AllocationMethod,
    AnnotationFormat,
    AnnotationStatus,
    AnnotationType,
    AttributesTypes,
    ConsensusTaskType,
    ExportMetadata,
    ExportVersion,
    FiltersMethod,
    FiltersOperation,
    FiltersOperations,
    FiltersOrderByDirection,
    FiltersResource,
    ItemStatus,
    MemberRole,
    TaskPriority,
    ViewAnnotationOptions,
)
from dl_jupyter.exceptions import (
    BadRequestError,
    ConflictError,
    DlError,
    ForbiddenError,
    NotFoundError,
)
from dl_jupyter.formats import Converter, ExportReport, ImportReport
from dl_jupyter.repositories.uploads import UrlLink
from dl_jupyter.workflows import TASK_HASH_ATTR, Controller
from dl_jupyter.workflows.queue import Queue

__version__ = "0.1.0"

# Widget classes load on first use: importing dl_jupyter never imports a widget library.
_WIDGETS = {
    "Annotator": "dl_jupyter.widgets.annotator",
    "AnnotatorPage": "dl_jupyter.widgets.annotator_page",
    "Dashboard": "dl_jupyter.widgets.dashboard",
    "FilterBuilder": "dl_jupyter.widgets.filter_builder",
    "Gallery": "dl_jupyter.widgets.gallery",
    "Table": "dl_jupyter.widgets.table",
}


def __getattr__(name: str) -> object:
    if name not in _WIDGETS:
        raise AttributeError(f"module 'dl_jupyter' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_WIDGETS[name]), name)


__all__ = [
    "AllocationMethod",
    "Annotation",
    "AnnotationCollection",
    "AnnotationFormat",
    "AnnotationStatus",
    "AnnotationType",
    "Annotator",
    "AnnotatorPage",
    "Assignment",
    "AttributesRange",
    "AttributesTypes",
    "BadRequestError",
    "Box",
    "Classification",
    "ConflictError",
    "ConsensusTaskType",
    "Controller",
    "Converter",
    "Cube",
    "Dashboard",
    "Dataset",
    "Description",
    "DlError",
    "Ellipse",
    "ExportMetadata",
    "ExportReport",
    "ExportVersion",
    "FILTERS_METHOD_AND",
    "FILTERS_METHOD_OR",
    "FILTERS_OPERATIONS_AND",
    "FILTERS_OPERATIONS_EQUAL",
    "FILTERS_OPERATIONS_EXISTS",
    "FILTERS_OPERATIONS_GREATER_THAN",
    "FILTERS_OPERATIONS_IN",
    "FILTERS_OPERATIONS_LESS_THAN",
    "FILTERS_OPERATIONS_MATCH",
    "FILTERS_OPERATIONS_NIN",
    "FILTERS_OPERATIONS_NOT_EQUAL",
    "FILTERS_OPERATIONS_OR",
    "FILTERS_ORDERBY_DIRECTION_ASCENDING",
    "FILTERS_ORDERBY_DIRECTION_DESCENDING",
    "FILTERS_RESOURCE_ANNOTATION",
    "FILTERS_RESOURCE_ITEM",
    "FilterBuilder",
    "Filters",
    "FiltersMethod",
    "FiltersOperation",
    "FiltersOperations",
    "FiltersOrderByDirection",
    "FiltersResource",
    "ForbiddenError",
    "Gallery",
    "ImportReport",
    "Item",
    "ItemAction",
    "ItemStatus",
    "Label",
    "MemberRole",
    "NotFoundError",
    "Note",
    "Ontology",
    "PagedEntities",
    "Point",
    "Polygon",
    "Polyline",
    "Pose",
    "Project",
    "Queue",
    "Recipe",
    "Segmentation",
    "Subtitle",
    "TASK_HASH_ATTR",
    "Table",
    "Task",
    "TaskPriority",
    "Text",
    "UndefinedAnnotationType",
    "UrlLink",
    "VIEW_ANNOTATION_OPTIONS_ANNOTATION_ON_IMAGE",
    "VIEW_ANNOTATION_OPTIONS_INSTANCE",
    "VIEW_ANNOTATION_OPTIONS_JSON",
    "VIEW_ANNOTATION_OPTIONS_MASK",
    "ViewAnnotationOptions",
    "Workload",
    "WorkloadUnit",
    "__version__",
    "annotations",
    "assignments",
    "client",
    "connect",
    "datasets",
    "doctor",
    "exceptions",
    "items",
    "login",
    "login_m2m",
    "logout",
    "ontologies",
    "projects",
    "recipes",
    "tasks",
    "token_expired",
    "use_attributes_2",
]
