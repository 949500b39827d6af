// The entry point SwiftPM expects of the `scritorio-fuzz` executable (see driver.c).
int scritorio_fuzz_main(int argc, char **argv);
