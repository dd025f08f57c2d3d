"""The platform's entry script for an image serving an MLflow model.

``mlops image register --model NAME@ALIAS`` without ``--entry`` builds an image around it when the
model version's artifact is an MLflow model directory (an ``MLmodel`` file at its top); the image
installs the model's own ``requirements.txt`` (or ``mlflow`` alone when the model has none), which
brings MLflow and the model's flavor.

The serving shim (serve.py) calls ``init()`` once and ``run(data)`` per request:

* ``init()`` loads the one model the image serves (``MLOPS_MODELS``, ``<name>:<version>``) from
  ``$MLOPS_MODEL_DIR/<name>/<version>/`` with ``mlflow.pyfunc.load_model``.
* ``run(data)`` takes the JSON inputs MLflow's scoring server takes: ``{"dataframe_split": {"columns",
  "data", "index"}}``, ``{"dataframe_records": [...]}``, ``{"instances": ...}`` or ``{"inputs": ...}``
  (tensors: a list, or a dict of named lists), and also a bare list of records (or the rows of a CSV
  body, as the shim parses them). It answers ``{"predictions": ...}``, as MLflow's server does: a
  DataFrame as a list of records, arrays and Series as lists.
"""

import os

_DATAFRAME_KEYS = ('dataframe_split', 'dataframe_records')
_TENSOR_KEYS = ('instances', 'inputs')

_model = None


def _model_path():
    served = [entry for entry in os.environ.get('MLOPS_MODELS', '').split(',') if entry]
    if len(served) != 1:
        raise RuntimeError(f'the MLflow entry serves exactly one model; MLOPS_MODELS names {len(served)}')
    name, version = served[0].rsplit(':', 1)
    return os.path.join(os.environ.get('MLOPS_MODEL_DIR', '/opt/ml/model'), name, version)


def init():
    global _model
    # Imported here: the image installs MLflow from the model's requirements.
    import mlflow.pyfunc

    _model = mlflow.pyfunc.load_model(_model_path())


def _tensor(value):
    import numpy as np

    if isinstance(value, dict):
        return {name: np.asarray(column) for name, column in value.items()}
    return np.asarray(value)


def model_input(data):
    """What ``predict`` gets for a request body, as MLflow's scoring server converts it."""
    import pandas as pd

    if isinstance(data, dict):
        given = [key for key in (*_DATAFRAME_KEYS, *_TENSOR_KEYS) if key in data]
        if len(given) != 1 or len(data) != 1:
            expected = ', '.join(f'"{key}"' for key in (*_DATAFRAME_KEYS, *_TENSOR_KEYS))
            raise ValueError(f'the body must be a list of records or an object with exactly one of {expected}')
        key = given[0]
        value = data[key]
        if key == 'dataframe_split':
            if not isinstance(value, dict):
                raise ValueError('"dataframe_split" must be an object with "columns", "data" and optionally "index"')
            return pd.DataFrame(data=value.get('data'), columns=value.get('columns'), index=value.get('index'))
        if key == 'dataframe_records':
            return pd.DataFrame(value)
        return _tensor(value)
    if isinstance(data, list):
        return pd.DataFrame(data)
    raise ValueError('the body must be a list of records or an object')


def jsonable(predictions):
    """Predictions as JSON holds them: a DataFrame as records, arrays and Series through ``tolist()``."""
    if hasattr(predictions, 'to_dict') and hasattr(predictions, 'columns'):
        return predictions.to_dict(orient='records')
    if hasattr(predictions, 'tolist'):
        return predictions.tolist()
    if isinstance(predictions, dict):
        return {name: jsonable(value) for name, value in predictions.items()}
    return predictions


def run(data):
    return {'predictions': jsonable(_model.predict(model_input(data)))}
