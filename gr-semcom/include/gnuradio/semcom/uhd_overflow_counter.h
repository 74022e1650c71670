/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#ifndef INCLUDED_SEMCOM_UHD_OVERFLOW_COUNTER_H
#define INCLUDED_SEMCOM_UHD_OVERFLOW_COUNTER_H

#include <gnuradio/semcom/api.h>
#include <gnuradio/sync_block.h>

namespace gr {
namespace semcom {

/*!
 * \brief Counts a UHD source's overflows and the samples they lost, from its "rx_time" tags.
 * \ingroup semcom
 *
 * A sink of complex samples beside the receiver. UHD tags the first sample of a stream, and the
 * first sample after each overflow ('O' on the console), with the device time "rx_time" (a tuple
 * (uint64 full seconds, double fractional seconds)). Between two tags the device time moves by
 * the samples in between divided by the sample rate; when it moves further, samples were lost:
 * lost = (t2 - t1) * rate - (offset2 - offset1). Each tag with more than half a sample lost
 * counts as one overflow. samples() counts every sample seen.
 */
class SEMCOM_API uhd_overflow_counter : virtual public gr::sync_block
{
public:
    typedef std::shared_ptr<uhd_overflow_counter> sptr;

    //! sample_rate: the source's rate in samples/s (> 0)
    static sptr make(double sample_rate);

    virtual long overflows() const = 0;
    virtual long long samples_lost() const = 0;
    virtual long long samples() const = 0;
};

} // namespace semcom
} // namespace gr

#endif
