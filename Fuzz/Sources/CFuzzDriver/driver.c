// SwiftPM links an executable's entry point as `<module>_main`; libFuzzer brings its own driver. This hands the
// process to it, with the test function the Swift module exports.
#include <stddef.h>
#include <stdint.h>
#include "CFuzzDriver.h"

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int scritorio_fuzz_main(int argc, char **argv) {
    return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);
}
