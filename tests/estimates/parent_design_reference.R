# Reference estimates of the parent survey design (docs/methods/parents.md) from R's survey package, for
# tests/estimates/test_parent_design_against_r.py.
# Usage: Rscript parent_design_reference.R rows.csv types.csv out.csv
# rows.csv: the design rows (stratum = la_code|sample stratum, weight, la_code, asg_code, b_<breakdown>, ind_<id>).
# Per council: svydesign(ids=~1, strata=~stratum, weights=~weight); the all-councils comparator: one design
# over every council. Each council, cluster and breakdown group is a domain: subset(design, !is.na(x) & <domain>).
# Proportions: svyciprop(method="logit") on the subset's degf; means: svymean and confint(df=degf).
suppressPackageStartupMessages(library(survey))
args <- commandArgs(trailingOnly = TRUE)
rows <- read.csv(args[1], colClasses = "character", na.strings = "")
for (v in c("weight", grep("^ind_", names(rows), value = TRUE))) rows[[v]] <- as.numeric(rows[[v]])
types <- read.csv(args[2], colClasses = "character")
breakdowns <- sub("^b_", "", grep("^b_", names(rows), value = TRUE))

domains <- function(data) {
  out <- list(list(breakdown = "all", value = "all", mask = rep(TRUE, nrow(data))))
  for (b in breakdowns) {
    col <- data[[paste0("b_", b)]]
    for (v in sort(unique(na.omit(col))))
      out[[length(out) + 1]] <- list(breakdown = b, value = v, mask = !is.na(col) & col == v)
  }
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
  }, error = function(e) c(NA, NA, NA, NA, degf(sub)))
  data.frame(indicator_id = id, n = sum(keep), estimate = res[1], se = res[2],
             ci_low = res[3], ci_high = res[4], df = res[5])
}

run <- function(design, level, code, mask0) {
  out <- list()
  data <- design$variables
  for (d in domains(data[mask0, , drop = FALSE])) {
    mask <- mask0
    mask[mask0] <- d$mask
    for (k in seq_len(nrow(types))) {
      r <- one(design, mask, types$indicator_id[k], types$type[k])
      if (!is.null(r)) out[[length(out) + 1]] <- cbind(
        data.frame(geography_level = level, geography_code = code, breakdown = d$breakdown,
                   breakdown_value = d$value), r)
    }
  }
  do.call(rbind, out)
}

results <- list()
for (la in sort(unique(rows$la_code))) {
  design <- svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = rows[rows$la_code == la, ])
  v <- design$variables
  results[[length(results) + 1]] <- run(design, "council", la, rep(TRUE, nrow(v)))
  for (asg in sort(unique(na.omit(v$asg_code))))
    results[[length(results) + 1]] <- run(design, "cluster", asg, !is.na(v$asg_code) & v$asg_code == asg)
}
design <- svydesign(ids = ~1, strata = ~stratum, weights = ~weight, data = rows)
results[[length(results) + 1]] <- run(design, "all_councils", "all", rep(TRUE, nrow(rows)))
write.csv(do.call(rbind, results), args[3], row.names = FALSE, na = "")
