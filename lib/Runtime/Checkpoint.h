/* Checkpoint.h - the checkpoint file's constants, shared by the runtime
 * (Checkpoint.c, which writes and reads it) and the driver (which reads
 * it to export ONNX). The layout is described in Checkpoint.c. */
#ifndef PCC_RUNTIME_CHECKPOINT_H
#define PCC_RUNTIME_CHECKPOINT_H

#define PCC_CHECKPOINT_MAGIC "PCCCKPT1"
#define PCC_CHECKPOINT_MAGIC_SIZE 8

#endif
