/*-------------------------------------------------------------------------
 *
 * flowcomm.h
 *	  Declarations shared across flowcomm's C modules.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FLOWCOMM_H
#define FLOWCOMM_H

#include "utils/uuid.h"

/* uuid.c */
extern void flowcomm_fill_uuid_v7(pg_uuid_t *out);

#endif							/* FLOWCOMM_H */
