"""The digits' format: 28x28 grey images of the ten digits, as Kaggle's CSVs lay them out."""

IMAGE_SIDE = 28
N_PIXELS = IMAGE_SIDE * IMAGE_SIDE
N_CLASSES = 10
PIXEL_COLUMNS = [f"pixel{i}" for i in range(N_PIXELS)]  # pixel k: row k // 28, column k % 28
TRAIN_HEADER = ["label", *PIXEL_COLUMNS]
