# Reference estimates from R's survey package for tests/estimates/test_against_r.py.
# Usage: Rscript survey_reference.R pupils.csv types.csv out.csv
# With columns weight_cell and cell_roll the census design of docs/methods/estimates.md, per council:
#   svydesign(ids=~1, strata=~weight_cell, fpc=~cell_roll); the all-councils comparator is one design over
#   every council with strata la_code + weight_cell. Without them (the simple design): per council
#   svydesign(ids=~1, weights=~weight), and councils as strata for the comparator.
# Every council, cluster, school and breakdown group is a domain: subset(design, !is.na(x) & <domain>).
# Proportions: svyciprop(method="logit") on the subset's degf, plus binom.test (Clopper-Pearson) on the
# unweighted base; means: svymean and confint(df=degf).
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
breakdowns <- c("sex", "stage", "simd_quintile", "urban_rural_8fold", "urban_rural_2fold",
                "fsm_p6plus", "any_asn", "looked_after_any", "child_protection_register")
pupils <- read.csv(args[1], colClasses = "character", na.strings = "")
for (v in c("weight", "cell_roll", grep("^ind_", names(pupils), value = TRUE)))
  if (v %in% names(pupils)) pupils[[v]] <- as.numeric(pupils[[v]])
pupils <- pupils[!is.na(pupils$weight) & pupils$weight > 0, ]
types <- read.csv(args[2], colClasses = "character")
census <- "weight_cell" %in% names(pupils)

design_of <- function(data, strata) {
  if (census) {
    data$stratum <- paste(data$la_code, data$weight_cell, sep = "|")
    return(svydesign(ids = ~1, strata = ~stratum, fpc = ~cell_roll, data = data))
  }
  if (strata) return(svydesign(ids = ~1, strata = ~la_code, weights = ~weight, data = data))
  svydesign(ids = ~1, weights = ~weight, data = data)
}

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
  n <- sum(keep)
  cp <- c(NA, NA)
  res <- tryCatch({
    if (kind == "proportion") {
      cp <- binom.test(sum(x[keep]), n)$conf.int
      r <- suppressWarnings(svyciprop(f, sub, method = "logit"))
      ci <- attr(r, "ci")
      c(as.numeric(r), sqrt(as.numeric(attr(r, "var"))), ci[1], ci[2], degf(sub))
    } else {
      m <- svymean(f, sub)
      ci <- suppressWarnings(confint(m, df = degf(sub)))
      c(coef(m)[1], SE(m)[1], ci[1], ci[2], degf(sub))
    }
  }, error = function(e) c(NA, NA, NA, NA, degf(sub)))
  data.frame(indicator_id = id, n = n, estimate = res[1], se = res[2],
             ci_low = res[3], ci_high = res[4], df = res[5], cp_low = cp[1], cp_high = cp[2])
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
  design <- design_of(pupils[pupils$la_code == la, ], strata = FALSE)
  v <- design$variables
  results[[length(results) + 1]] <- run(design, "council", la, rep(TRUE, nrow(v)))
  for (asg in sort(unique(na.omit(v$asg_code))))
    results[[length(results) + 1]] <- run(design, "cluster", asg, !is.na(v$asg_code) & v$asg_code == asg)
  for (s in sort(unique(na.omit(v$seed_code))))
    results[[length(results) + 1]] <- run(design, "school", s, !is.na(v$seed_code) & v$seed_code == s)
}
design <- design_of(pupils, strata = TRUE)
results[[length(results) + 1]] <- run(design, "all_councils", "all", rep(TRUE, nrow(pupils)))
write.csv(do.call(rbind, results), args[3], row.names = FALSE, na = "")
