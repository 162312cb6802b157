//! The global allocator every function uses: mimalloc.
//!
//! A request allocates many small strings and vectors, where mimalloc is several times cheaper
//! than the system allocator. The `mimalloc` crate's `GlobalAlloc` sends every request through
//! mimalloc's `_aligned` entry points, which check the alignment before taking the same free
//! list; callgrind counted that at about 40 instructions per allocation on our handlers. Like
//! std's system allocator, we call the plain entry points whenever mimalloc's own guarantee
//! already covers the layout, and the aligned ones otherwise.

// A `GlobalAlloc` is unsafe by contract: the one place the workspace allows unsafe code.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// mimalloc's `MI_MAX_ALIGN_SIZE` on 64-bit targets: its size classes are multiples of two
/// words there, so every block of at least 16 bytes is 16-aligned and every smaller block is
/// word-aligned (`page-queue.c`, `MI_ALIGN2W`; asserted in `alloc.c`).
const GUARANTEED_ALIGN: usize = 16;

/// Whether a plain `mi_malloc` of `layout.size()` bytes is already aligned enough: the
/// alignment is within mimalloc's guarantee, and no larger than the size (a block smaller
/// than 16 bytes is only word-aligned).
#[inline]
fn plain_is_aligned(layout: &Layout) -> bool {
    layout.align() <= GUARANTEED_ALIGN && layout.align() <= layout.size()
}

/// mimalloc, entered through its plain entry points where they suffice.
pub struct Allocator;

// SAFETY: every method returns mimalloc memory aligned as the layout asks: through the plain
// entry points only when `plain_is_aligned` holds, through the `_aligned` ones otherwise.
// mimalloc frees any of its blocks with `mi_free`, however they were allocated.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: mimalloc accepts any size; the layout's alignment is a power of two.
        unsafe {
            if plain_is_aligned(&layout) {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as in `alloc`.
        unsafe {
            if plain_is_aligned(&layout) {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from this allocator, so from mimalloc.
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from this allocator with `layout`; the caller guarantees
        // `new_size` rounded up to the alignment does not overflow.
        unsafe {
            let new = Layout::from_size_align_unchecked(new_size, layout.align());
            if plain_is_aligned(&new) {
                mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

/// mimalloc's `mi_option_purge_delay` (its index in v3's `mimalloc.h`; checked by a test).
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps memory the function has freed for its next request instead of handing it back to
/// the OS after a second idle: a warm instance then reuses its pages instead of faulting them
/// in (and zeroing transparent huge pages) again on every request. Measured under
/// `tools/benchmark --profile-only`: 13.5-17.5 ms of CPU per 1,000-item request before, 12.1-14.0
/// after. A warm instance's memory stays at its peak, which is what Lambda bills anyway.
pub fn keep_freed_memory() {
    // SAFETY: sets a process-wide option, which mimalloc reads when it would purge.
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reads and writes a process-wide option.
        let (before, after) = unsafe {
            let before = libmimalloc_sys::mi_option_get(PURGE_DELAY);
            keep_freed_memory();
            (before, libmimalloc_sys::mi_option_get(PURGE_DELAY))
        };
        // mimalloc v3's default purge delay is 1,000 ms: the index names that option.
        assert!(before == 1000 || before == -1, "{before}");
        assert_eq!(after, -1);
    }

    /// Every size from 1 to 4 KiB and every alignment to 4 KiB, through each entry point:
    /// the block is aligned, zeroed where asked, and keeps its bytes across a realloc.
    #[test]
    fn every_block_is_aligned_as_its_layout_asks() {
        let sizes = (1..=256).chain((257..=4096).step_by(61));
        for size in sizes {
            for align in (0..=12).map(|shift| 1usize << shift) {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: the layout has a non-zero size; each block is freed once, by us.
                unsafe {
                    let p = Allocator.alloc(layout);
                    assert!(!p.is_null());
                    assert_eq!(p as usize % align, 0, "alloc {size} bytes at {align}");
                    p.write_bytes(0xA5, size);

                    let grown = Allocator.realloc(p, layout, size * 3);
                    assert_eq!(grown as usize % align, 0, "realloc {size} at {align}");
                    assert!((0..size).all(|i| *grown.add(i) == 0xA5));
                    Allocator.dealloc(grown, Layout::from_size_align(size * 3, align).unwrap());

                    let z = Allocator.alloc_zeroed(layout);
                    assert_eq!(z as usize % align, 0, "alloc_zeroed {size} at {align}");
                    assert!((0..size).all(|i| *z.add(i) == 0));
                    Allocator.dealloc(z, layout);
                }
            }
        }
    }
}
