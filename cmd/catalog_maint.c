/*
 * catalog_maint.c - lake-catalog's maint verbs (see catalog_verbs.h).
 */
#include "catalog_verbs.h"

const struct catalog_verb catalog_maint_verbs[] = {
    {NULL, NULL, NULL},
};
const size_t catalog_maint_nverbs = 0;
