/*
 * fuzz_driver.c — runs a libFuzzer target (LLVMFuzzerTestOneInput) once on
 * each file named on the command line, without libFuzzer or sanitizers, so
 * that the corpus can be replayed under valgrind (test/quality/valgrind.sh).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int			LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int			LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

int
main(int argc, char **argv)
{
	int			i;
	int			ran = 0;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (i = 1; i < argc; i++)
	{
		FILE	   *f = fopen(argv[i], "rb");
		uint8_t    *buf;
		long		n;

		if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
			fseek(f, 0, SEEK_SET) != 0)
		{
			fprintf(stderr, "fuzz_driver: cannot read %s\n", argv[i]);
			return 2;
		}
		/* An exact-size buffer: a read past the input is a valgrind error. */
		buf = malloc(n > 0 ? (size_t) n : 1);
		if (buf == NULL || fread(buf, 1, (size_t) n, f) != (size_t) n)
		{
			fprintf(stderr, "fuzz_driver: cannot read %s\n", argv[i]);
			return 2;
		}
		fclose(f);
		LLVMFuzzerTestOneInput(buf, (size_t) n);
		free(buf);
		ran++;
	}
	printf("fuzz_driver: %d inputs\n", ran);
	return 0;
}
