"""The input contract (docs/methods/input_contract.md) as data, its strict readers and the validation of a whole delivery."""

from rcs_pipeline.contract.errors import DeliveryError, Problem
from rcs_pipeline.contract.readers import read_dataset
from rcs_pipeline.contract.spec import dataset_spec, load_contract
from rcs_pipeline.contract.validate import read_delivery, validate_delivery

__all__ = [
    "DeliveryError",
    "Problem",
    "dataset_spec",
    "load_contract",
    "read_dataset",
    "read_delivery",
    "validate_delivery",
]
