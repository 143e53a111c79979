// libFuzzer's driver, for a program that keeps its own `main` (SwiftPM names an executable's entry
// point and links `main` to it, so libFuzzer's `main` is never used). The runtime comes with
// -sanitize=fuzzer; see https://llvm.org/docs/LibFuzzer.html#using-libfuzzer-as-a-library.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*UserCb)(const uint8_t *Data, size_t Size));
