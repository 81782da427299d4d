/*
 * catalog_browse.c - lake-catalog's browse verbs (see catalog_verbs.h).
 */
#include "catalog_verbs.h"

const struct catalog_verb catalog_browse_verbs[] = {
    {NULL, NULL, NULL},
};
const size_t catalog_browse_nverbs = 0;
