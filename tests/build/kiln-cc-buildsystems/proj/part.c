/* part.c: the static library of the build-system test project. */
#include <math.h>

int part_value(double x)
{
    return (int)lround(sqrt(x));
}
