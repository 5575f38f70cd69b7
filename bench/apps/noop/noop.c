/*
 * noop: returns 0 from main at once, for bench/boot. What its boot costs
 * over the empty-guest floor is the kernel's own start-up and exit:
 * nothing the program does is in the figure (hello sleeps and starts
 * threads, which would be).
 */
int main(void)
{
    return 0;
}
