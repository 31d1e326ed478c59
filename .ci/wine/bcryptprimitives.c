/*
 * Stand-in bcryptprimitives.dll for running Go 1.22+ Windows binaries
 * under wine 8.0, which lacks that DLL. Go's runtime needs one export,
 * ProcessPrng; this one fills the buffer from advapi32's RtlGenRandom
 * (SystemFunction036), which wine has. Built by .ci/wine-smoke with
 *   x86_64-w64-mingw32-gcc -shared -o bcryptprimitives.dll bcryptprimitives.c -ladvapi32
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buf, ULONG len);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    /* RtlGenRandom takes a ULONG length; feed it in chunks. */
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
