/*-------------------------------------------------------------------------
 *
 * flowcomm.c
 *	  Module entry point of the flowcomm extension.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"

#include "webhook.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/*
 * _PG_init defines the module's configuration parameters.
 */
void
_PG_init(void)
{
	flowcomm_webhook_guc_init();
}
