/* printer: prints and exits; its image needs no stack and no ext2. */
#include <stdio.h>

int main(void)
{
    printf("printed\n");
    return 0;
}
