import { createRouter, createWebHashHistory, type RouteRecordRaw } from 'vue-router';
import ProjectsView from './views/ProjectsView.vue';
import DataView from './views/DataView.vue';
import ReviewView from './views/ReviewView.vue';
import ExportView from './views/ExportView.vue';
import TeachersView from './views/TeachersView.vue';
import TrainView from './views/TrainView.vue';
import TransferView from './views/TransferView.vue';
import EvaluateView from './views/EvaluateView.vue';

const routes: RouteRecordRaw[] = [
  { path: '/', redirect: '/projects' },
  { path: '/projects', name: 'projects', component: ProjectsView },
  { path: '/data', name: 'data', component: DataView },
  { path: '/review', name: 'review', component: ReviewView },
  { path: '/export', name: 'export', component: ExportView },
  { path: '/teachers', name: 'teachers', component: TeachersView },
  { path: '/train', name: 'train', component: TrainView },
  { path: '/transfer', name: 'transfer', component: TransferView },
  { path: '/evaluate', name: 'evaluate', component: EvaluateView },
];

// Hash history: works unchanged under app:// (Electron) and http:// (web shell) without server rewrites.
export const router = createRouter({ history: createWebHashHistory(), routes });
