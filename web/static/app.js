// Progressive enhancement for every page (loaded as a module; the pages work without it).
// GOV.UK Frontend's components (service navigation menu, error summary focus, skip link,
// button double-click guard) start here: the CSP allows no inline script.
import { initAll } from "/govuk/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
