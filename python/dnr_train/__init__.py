"""PyTorch mirror of dnr's networks, objectives and degradation model, for training on GPUs.

Weights use dnr's safetensors names, dtypes and model cards, so `dnr` loads what this writes and
this loads what `dnr train` wrote.
"""
