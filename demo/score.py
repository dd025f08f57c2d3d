"""The demo's entry script: serves the churn-demo logistic regression the training script wrote.

The serving shim calls init() once, then run(data) per request: data is the parsed JSON body
(rows, or {"instances": rows}, each row a list of values or an object keyed by feature name) or
the rows of a CSV body. The model data holds <model>/<version>/model.json under MLOPS_MODEL_DIR.
"""
import glob
import json
import math
import os

model = None


def init():
    global model
    model_dir = os.environ["MLOPS_MODEL_DIR"]
    paths = glob.glob(os.path.join(model_dir, "*", "*", "model.json"))
    if len(paths) != 1:
        raise FileNotFoundError(f"expected one <model>/<version>/model.json under {model_dir}, found {len(paths)}")
    with open(paths[0], encoding="utf-8") as file:
        model = json.load(file)


def _features(record):
    if isinstance(record, dict):
        return [float(record[name]) for name in model["features"]]
    values = [float(value) for value in record]
    if len(values) != len(model["features"]):
        raise ValueError(f"expected {len(model['features'])} features ({', '.join(model['features'])}), got {len(values)}")
    return values


def run(data):
    rows = data["instances"] if isinstance(data, dict) else data
    scaling = model["scaling"]
    probabilities = []
    for record in rows:
        standardized = [(value - mean) / std for value, mean, std in zip(_features(record), scaling["mean"], scaling["std"])]
        z = model["bias"] + sum(weight * value for weight, value in zip(model["weights"], standardized))
        probabilities.append(round(1 / (1 + math.exp(-z)), 4))
    return {"churn_probability": probabilities}
