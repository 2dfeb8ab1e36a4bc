import os

# Quiet TensorFlow's C++ start-up logging in test output; behaviour is unchanged.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The memory tests read the CPU allocator's peak, kept on any CPU by the BFC allocator
# (TensorFlow's default keeps it only with oneDNN on, by default only with AVX-512).
os.environ.setdefault("TF_CPU_ALLOCATOR_USE_BFC", "true")
