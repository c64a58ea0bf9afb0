"""Batch normalisation of convolution outputs in TensorFlow's fused kernel.

Keras 3's BatchNormalization computes a batch's mean and variance and then normalises in
separate element-wise passes over the activations. TensorFlow's FusedBatchNormV3 does it in
one kernel (oneDNN's on CPU), which trains the strong CNN faster (`bench/probes/batch_norm.py`
measures it; docs/benchmarks.md).
"""

from __future__ import annotations

from functools import cache
from typing import Any


@cache
def fused_batch_normalization(keras: Any) -> type:
    """Keras' BatchNormalization layer whose 4-D (NHWC) inputs go through the fused kernel.

    The same variables, the same normalisation and the same moving averages (their variance
    with Bessel's correction, as TensorFlow's kernel keeps it: n / (n - 1) for the n values a
    channel has in a batch, 25,088 at 28x28 and batch 32). Other inputs, and layers without a
    scale or centre, use Keras' own code.
    The class is saved under Keras' own name, so a saved model loads anywhere as a plain
    BatchNormalization, which computes the same outputs at inference.
    """
    import tensorflow as tf

    class FusedBatchNormalization(keras.layers.BatchNormalization):
        def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
            fused = len(inputs.shape) == 4 and self.axis in (-1, 3) and self.scale and self.center
            if not fused or mask is not None:
                return super().call(inputs, training=training, mask=mask)
            training = bool(training) and self.trainable  # frozen: inference, as Keras has it
            normalised, mean, variance = tf.compat.v1.nn.fused_batch_norm(
                tf.cast(inputs, "float32"),
                self.gamma,
                self.beta,
                mean=self.moving_mean,
                variance=self.moving_variance,
                epsilon=self.epsilon,
                is_training=training,
                exponential_avg_factor=1.0 - self.momentum,
            )
            if training:
                self.moving_mean.assign(mean)
                self.moving_variance.assign(variance)
            return tf.cast(normalised, self.compute_dtype)

    FusedBatchNormalization.__name__ = "BatchNormalization"
    FusedBatchNormalization.__qualname__ = "BatchNormalization"
    FusedBatchNormalization.__module__ = keras.layers.BatchNormalization.__module__
    return FusedBatchNormalization
