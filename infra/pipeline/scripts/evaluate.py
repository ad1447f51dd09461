"""Evaluate the trained XGBoost model on the test split and write evaluation.json.

Inputs: /opt/ml/processing/model/model.tar.gz (from the training step) and
/opt/ml/processing/test/test.csv (target first, no header). Output:
/opt/ml/processing/evaluation/evaluation.json, in the shape SageMaker Model Registry shows as model
quality and the pipeline's condition reads with Std:JsonGet:
{"regression_metrics": {"mse": {"value": ..., "standard_deviation": ...}, "rmse": {...}, "mae": {...}}}
"""
import argparse
import json
import os
import pickle
import tarfile

import numpy as np
import pandas as pd
import xgboost

BASE = "/opt/ml/processing"


def load_booster(model_dir):
    with tarfile.open(os.path.join(model_dir, "model.tar.gz")) as archive:
        archive.extractall(path=model_dir)
    path = os.path.join(model_dir, "xgboost-model")
    booster = xgboost.Booster()
    try:
        booster.load_model(path)  # sagemaker-xgboost >= 1.3 saves the native format
    except xgboost.core.XGBoostError:
        with open(path, "rb") as f:  # older containers pickled the booster
            booster = pickle.load(f)
    return booster


def regression_metrics(y_true, y_pred):
    errors = np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float)
    squared = errors**2
    return {
        "mse": {"value": float(squared.mean()), "standard_deviation": float(squared.std())},
        "rmse": {"value": float(np.sqrt(squared.mean()))},
        "mae": {"value": float(np.abs(errors).mean()), "standard_deviation": float(np.abs(errors).std())},
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-dir", default=BASE)
    args = parser.parse_args()

    booster = load_booster(os.path.join(args.base_dir, "model"))
    test = pd.read_csv(os.path.join(args.base_dir, "test", "test.csv"), header=None)
    y_true = test.iloc[:, 0].to_numpy()
    predictions = booster.predict(xgboost.DMatrix(test.iloc[:, 1:].to_numpy()))

    report = {"regression_metrics": regression_metrics(y_true, predictions)}
    out_dir = os.path.join(args.base_dir, "evaluation")
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "evaluation.json"), "w") as f:
        json.dump(report, f, indent=2, sort_keys=True)
    print(json.dumps(report, sort_keys=True))


if __name__ == "__main__":
    main()
