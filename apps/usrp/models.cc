/*
 * Copyright 2026 gr-semcom developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "models.h"

#include <stdexcept>

namespace semcom::apps {

ModelSet resolve_usrp_models(const UsrpOptions& o)
{
    if (o.models.empty() && o.scheme == "separate")
        throw std::invalid_argument("--scheme separate: not over the air yet (its link is simulated only)");
    auto m = resolve_transmitter(model_prefix(o.scheme, o.models));
    if (m.transmitter.snr_width > 0)
        throw std::invalid_argument("--scheme " + m.transmitter.scheme + ": '" + m.encoder_path +
                                    "' needs the receivers' SNR at the encoder: not over the air yet (no "
                                    "feedback path)");
    if (o.role == "rx")
        add_receiver(m, o.receiver, "--receiver " + std::to_string(o.receiver));
    return m;
}

} // namespace semcom::apps
