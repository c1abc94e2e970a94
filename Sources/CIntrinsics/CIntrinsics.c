// The functions live in include/CIntrinsics.h (static inline); this file makes the target a
// C module SwiftPM can build.
#include "CIntrinsics.h"
