# Reference estimates from R's survey package for tests/estimates/test_against_r.py.
# Usage: Rscript survey_reference.R pupils.csv rolls.csv types.csv out.csv
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
breakdowns <- c("sex", "stage", "simd_quintile", "urban_rural_8fold", "urban_rural_2fold",
                "fsm_p6plus", "any_asn", "looked_after_any", "child_protection_register")
pupils <- read.csv(args[1], colClasses = "character", na.strings = "")
for (v in c("weight", grep("^ind_", names(pupils), value = TRUE))) pupils[[v]] <- as.numeric(pupils[[v]])
rolls <- read.csv(args[2], colClasses = c("character", "numeric"))
types <- read.csv(args[3], colClasses = "character")
pupils$roll <- rolls$roll[match(pupils$seed_code, rolls$seed_code)]

# Every (breakdown, value) domain of a data frame, as logical masks.
domains <- function(data) {
  out <- list(list(breakdown = "all", value = "all", mask = rep(TRUE, nrow(data))))
  for (b in breakdowns) for (v in sort(unique(na.omit(data[[b]]))))
    out[[length(out) + 1]] <- list(breakdown = b, value = v, mask = !is.na(data[[b]]) & data[[b]] == v)
  out
}

one <- function(design, mask, id, kind) {
  x <- design$variables[[paste0("ind_", id)]]
  keep <- mask & !is.na(x)
  if (!any(keep)) return(NULL)
  sub <- design[keep, ]
  f <- as.formula(paste0("~ind_", id))
  res <- tryCatch({
    if (kind == "proportion") {
      r <- suppressWarnings(svyciprop(f, sub, method = "logit"))
      ci <- attr(r, "ci")
      c(as.numeric(r), sqrt(as.numeric(attr(r, "var"))), ci[1], ci[2], degf(sub))
    } else {
      m <- svymean(f, sub)
      ci <- suppressWarnings(confint(m, df = degf(sub)))
      c(coef(m)[1], SE(m)[1], ci[1], ci[2], degf(sub))
    }
  }, error = function(e) c(NA, NA, NA, NA, NA))
  data.frame(indicator_id = id, n = sum(keep), estimate = res[1], se = res[2],
             ci_low = res[3], ci_high = res[4], df = res[5])
}

run <- function(design, level, code, mask0) {
  rows <- list()
  data <- design$variables
  for (d in domains(data[mask0, , drop = FALSE])) {
    mask <- mask0
    mask[mask0] <- d$mask
    for (k in seq_len(nrow(types))) {
      r <- one(design, mask, types$indicator_id[k], types$type[k])
      if (!is.null(r)) rows[[length(rows) + 1]] <- cbind(
        data.frame(geography_level = level, geography_code = code, breakdown = d$breakdown,
                   breakdown_value = d$value), r)
    }
  }
  do.call(rbind, rows)
}

results <- list()
for (la in sort(unique(pupils$la_code))) {
  design <- svydesign(ids = ~seed_code, strata = ~la_code, weights = ~weight,
                      data = pupils[pupils$la_code == la, ])
  all <- rep(TRUE, nrow(design$variables))
  results[[length(results) + 1]] <- run(design, "council", la, all)
  for (asg in sort(unique(design$variables$asg_code)))
    results[[length(results) + 1]] <- run(design, "cluster", asg, design$variables$asg_code == asg)
}
for (s in sort(unique(pupils$seed_code))) {
  design <- svydesign(ids = ~1, weights = ~weight, fpc = ~roll, data = pupils[pupils$seed_code == s, ])
  results[[length(results) + 1]] <- run(design, "school", s, rep(TRUE, nrow(design$variables)))
}
design <- svydesign(ids = ~seed_code, strata = ~la_code, weights = ~weight, data = pupils)
results[[length(results) + 1]] <- run(design, "all_councils", "all", rep(TRUE, nrow(pupils)))
write.csv(do.call(rbind, results), args[4], row.names = FALSE, na = "")
